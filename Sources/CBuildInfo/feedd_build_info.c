#include "feedd_build_info.h"

#ifndef FEEDD_BUILD_COMMIT
#define FEEDD_BUILD_COMMIT "unknown"
#endif

const char *feedd_build_commit(void) {
    return FEEDD_BUILD_COMMIT;
}
