// The `malphas` command line: run, check and disassemble Malphas programs; with no
// arguments, the REPL.
import ArgumentParser
import CMalphasSync
import Glibc

// A reader that goes away (`malphas prog.mal | head`) must not kill the interpreter with
// SIGPIPE mid-write; the write fails with EPIPE instead and the output is dropped.
signal(SIGPIPE, SIG_IGN)

// One malloc arena, grown 16 MiB at a time (malphas_sync.h): spawning a million legions
// spent about a tenth of its time growing per-thread arenas a page at a time.
mal_malloc_one_arena(16 << 20)

// `malphas run FILE` and `malphas FILE.mal` without options parse only the run command:
// parsing the whole command tree (reflection over every subcommand's arguments) was half
// of the instructions of running hello world.
let arguments = CommandLine.arguments
if arguments.count == 3 && arguments[1] == "run" && !arguments[2].hasPrefix("-") {
    RunCommand.main([arguments[2]])
} else if arguments.count == 2 && arguments[1].hasSuffix(".mal") && !arguments[1].hasPrefix("-") {
    RunCommand.main([arguments[1]])
} else {
    MalphasCommand.main(arguments.count > 1 ? nil : ["repl"])
}
