// SPDX-License-Identifier: GPL-2.0
/* A program built without the ftrace flags: textpoke record refuses it. */
int main(void)
{
	return 0;
}
