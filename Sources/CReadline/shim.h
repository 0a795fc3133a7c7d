// GNU readline for the Malphas REPL: line editing, history and completion.
#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>
