// The `malphas` command line: run, check and disassemble Malphas programs; with no
// arguments, the REPL.
import ArgumentParser
import Glibc

// A reader that goes away (`malphas prog.mal | head`) must not kill the interpreter with
// SIGPIPE mid-write; the write fails with EPIPE instead and the output is dropped.
signal(SIGPIPE, SIG_IGN)

MalphasCommand.main(CommandLine.arguments.count > 1 ? nil : ["repl"])
