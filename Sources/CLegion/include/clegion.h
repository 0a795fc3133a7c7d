/* CLegion: the M:N legion runtime. The public API is declared here. */
#ifndef CLEGION_H
#define CLEGION_H
int lg_version(void);
#endif
