// SPDX-License-Identifier: GPL-2.0
/* Built with the ftrace flags: every function here is traceable. */
#include "traced_cxx.h"

int fgx_destroyed;

namespace {

struct frame_object {
	~frame_object() { fgx_destroyed++; }
};

}

int fgx_throw(int depth, int value)
{
	frame_object keep;

	if (!depth)
		throw value;
	return fgx_throw(depth - 1, value) + 1;
}

int fgx_catch(int depth, int value)
{
	frame_object keep;

	try {
		return fgx_throw(depth, value);
	} catch (int v) {
		return v + 1000;
	}
}

int fgx_rethrow(int depth, int value)
{
	frame_object keep;

	try {
		return fgx_throw(depth, value);
	} catch (...) {
		throw;
	}
}
