// SPDX-License-Identifier: GPL-2.0
/*
 * What plt_test.sh records of exceptions: built with the ftrace flags,
 * it catches exceptions thrown through calls traced at its PLT, from
 * libstdc++ (vector::at()'s __throw_out_of_range_fmt) and from its own
 * callback through libc's qsort(); then calls on, so that the recorded
 * graph must still be nested: after() -> puts().
 */
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <vector>

__attribute__((noinline)) int get(std::vector<int> &v, size_t i)
{
	return v.at(i);
}

extern "C" __attribute__((noinline)) int cmp_throw(const void *a, const void *b)
{
	if (*(const int *)a != *(const int *)b)
		throw 7;
	return 0;
}

__attribute__((noinline)) void after(int caught)
{
	std::printf("caught %d\n", caught);
	std::puts("after");
}

int main()
{
	std::vector<int> v(3, 1);
	int w[3] = { 3, 1, 2 }, caught = 0;

	for (int i = 0; i < 3; i++) {
		try {
			get(v, 10);
		} catch (const std::out_of_range &) {
			caught++;
		}
	}
	try {
		qsort(w, 3, sizeof(*w), cmp_throw);
	} catch (int) {
		caught++;
	}
	after(caught);
	return 0;
}
