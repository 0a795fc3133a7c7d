// The language server's own program, which `malphas lsp` runs in its place (execv). It
// is separate because the server speaks JSON through Foundation, and linking Foundation
// into `malphas` would load it, and its megabytes, into every `malphas run`.
import Glibc
import MalphasLanguageServer

exit(LanguageServer.serveStandardStreams())
