#include <stdio.h>
#include "clegion.h"
int main(void) { printf("legion-bench: runtime %d\n", lg_version()); return 0; }
