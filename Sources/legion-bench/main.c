#include <stdio.h>
#include "clegion.h"
int main(void) { printf("legion-bench: %u workers\n", lg_num_workers()); return 0; }
