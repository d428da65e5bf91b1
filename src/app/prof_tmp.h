/* TEMPORARY profiling (remove) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double prof_t0_;
static inline void PROF(const char *what)
{
    static int on = -1;
    if (on < 0) on = getenv("OWED_PROFILE") != NULL;
    if (!on) return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    if (prof_t0_ != 0) fprintf(stderr, "  %-28s %7.3f s\n", what, t - prof_t0_);
    prof_t0_ = t;
}
