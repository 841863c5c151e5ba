/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The control server's own calls besides agent_ctl_start() (agent.h):
 * nothing here is installed; textpoke_agent_attach() is the one symbol
 * the agent exports for it.
 */
#ifndef TP_CTL_SERVER_H
#define TP_CTL_SERVER_H

/*
 * Close the socket, remove its file and end the thread: 0, or -ENOENT
 * (not running in this process), -EDEADLK (called from the server's own
 * thread).  agent_ctl_start() returns -EALREADY while it runs.
 */
int agent_ctl_stop(void);

/*
 * Remove the socket's file, the server still running: for a process that
 * ends without its destructors (_exit()).
 */
void agent_ctl_gone(void);

/* The socket's path while the server runs in this process, else NULL. */
const char *agent_ctl_path(void);

/* Start the server in a program the agent was loaded into by attach. */
int textpoke_agent_attach(void);

#endif /* TP_CTL_SERVER_H */
