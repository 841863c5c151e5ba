// SPDX-License-Identifier: GPL-2.0
/*
 * What the compiler instruments in the textpoke-sites fixtures: global
 * and static functions, a leaf, a loop, a tail call and a switch, so that
 * each layout meets the usual shapes of function entries.
 */
int fixture_counter;

static int __attribute__((noinline)) fixture_leaf(int x)
{
	return x * 3 + fixture_counter;
}

int fixture_loop(int n)
{
	int sum = 0, i;

	for (i = 0; i < n; i++)
		sum += fixture_leaf(i);
	return sum;
}

int fixture_switch(int x)
{
	switch (x) {
	case 0:
		return fixture_loop(4);
	case 1:
		return fixture_leaf(7);
	case 2:
		return fixture_counter++;
	case 3:
		return -fixture_counter;
	default:
		return x;
	}
}

int fixture_tail(int x)
{
	return fixture_switch(x + 1);
}

/* The entry point of the position-independent executables. */
int fixture_entry(void)
{
	return fixture_tail(fixture_counter);
}
