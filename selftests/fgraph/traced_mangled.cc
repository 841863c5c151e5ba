// SPDX-License-Identifier: GPL-2.0
/*
 * C++ functions built with the ftrace_cflags: their symbols are mangled
 * names, which tp-graph prints demangled.  fg_cxx_run(x) == 7 * x + 1.
 */
#include "traced.h"

namespace fg_cxx {

TRACED int twice(int x)
{
	return 2 * x;
}

template <typename T> TRACED T add(T a, T b)
{
	return a + b;
}

struct counter {
	int n;
	TRACED int bump(int by);
};

int counter::bump(int by)
{
	n += by;
	return n;
}

} /* namespace fg_cxx */

extern "C" int fg_cxx_run(int x)
{
	fg_cxx::counter c = { 1 };
	int doubled = fg_cxx::twice(x);
	int bumped = c.bump(x);

	return fg_cxx::add(doubled, bumped) + 4 * x;
}
