// The `malphas` command line: run, check and disassemble Malphas programs; with no
// arguments, the REPL.
import ArgumentParser
import Glibc
import MalphasSyntax
import MalphasVM

MalphasCommand.main(CommandLine.arguments.count > 1 ? nil : ["repl"])
