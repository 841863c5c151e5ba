/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * textpoke: change the machine code of this running, multi-threaded
 * process safely, and tell trace decoders when each change happened.
 *
 * Errors are negative errno values; tp_strerror() says what each means
 * for a poke.  No call leaves text half-changed: an error means the text
 * is exactly as it was.
 */
#ifndef TEXTPOKE_TEXTPOKE_H
#define TEXTPOKE_TEXTPOKE_H

#ifdef __cplusplus
extern "C" {
#endif

#define TP_EXPORT __attribute__((visibility("default")))

/*
 * A short explanation of @err (a negative errno returned by textpoke) in
 * the context of patching text.  Never NULL; the string is static and
 * async-signal-safe to read.
 */
TP_EXPORT const char *tp_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* TEXTPOKE_TEXTPOKE_H */
