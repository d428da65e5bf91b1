/* Functions we never call (git banned.h, curl checksrc): unbounded copies, hidden global
 * state, and the libc time functions that depend on TZ. Included by every owed source. */
#ifndef OWED_BANNED_H
#define OWED_BANNED_H

#define BANNED(func) sorry_##func##_is_banned_in_owed

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef gmtime
#define gmtime(x) BANNED(gmtime)
#undef localtime
#define localtime(x) BANNED(localtime)
#undef mktemp
#define mktemp(x) BANNED(mktemp)

#endif
