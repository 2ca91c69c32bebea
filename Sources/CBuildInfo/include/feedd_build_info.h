#ifndef FEEDD_BUILD_INFO_H
#define FEEDD_BUILD_INFO_H

/* The git commit feedd was built from: Package.swift passes it as FEEDD_BUILD_COMMIT, a string
   literal, which only a C file can turn into a value (Swift has no valued compile-time defines). */
const char *feedd_build_commit(void);

#endif
