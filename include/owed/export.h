#ifndef OWED_EXPORT_H
#define OWED_EXPORT_H

/* Symbols of the public API; the build uses -fvisibility=hidden (libuv UV_EXTERN). */
#if defined(__GNUC__)
#define OWED_EXTERN __attribute__((visibility("default")))
#define OWED_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define OWED_EXTERN
#define OWED_PRINTF(fmt, args)
#endif

#endif
