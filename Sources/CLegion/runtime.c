#include "clegion.h"
int lg_version(void) { return 1; }
