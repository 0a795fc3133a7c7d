// The REPL on a terminal: GNU readline for editing, history and completion, driven
// through its callback interface so one loop can wait for keys, run the session's
// legions between keys, and print what they write without garbling the line being typed.
//
// The loop (one thread, the process's main thread; legions run on the runtime's workers):
//   - a typed line is handed over by readline's line handler, which also uncouples
//     readline (prompt hidden, terminal back in cooked mode) while the input runs;
//   - otherwise the loop polls standard input and the writer's wake-up pipe, waking at
//     least every 100 ms to see whether a legion called `exit(n)`;
//   - output written while the prompt shows (by legions, from any worker) is queued by
//     the `TerminalWriter` and printed above the prompt: clear the line, print, redraw
//     prompt and line.
//
// Signals: SIGINT only sets a byte, the session's interrupt request. During an
// evaluation the thread waiting for the input sees it and preempts the workers, so the
// running code stops at its next safe point (DESIGN 3.4); at the prompt the loop sees it
// and cancels the line.

import CMalphasSync
import CReadline
import Glibc
import MalphasVM

public final class ReplTerminal {
    /// The prompt for a new input and for the lines that continue one.
    public static let prompt = ">> "
    public static let continuationPrompt = "... "
    /// History entries kept in the file.
    static let historyLimit: Int32 = 1000

    let session: ReplSession
    let writer: TerminalWriter
    let historyPath: String
    /// A line readline handed over (nil inside: Ctrl-D on an empty line), waiting for the
    /// loop to take it.
    fileprivate var acceptedLine: String??
    fileprivate var completionCandidates: [String] = []
    fileprivate var completionIndex = 0

    init(options: RunOptions, writer: TerminalWriter) {
        self.writer = writer
        var options = options
        options.output = Output(handler: { writer.write(to: 1, $0) })
        options.errorOutput = Output(handler: { writer.write(to: 2, $0) })
        session = ReplSession(options: options)
        // What is typed at the prompt is readline's: a legion of an earlier input waiting
        // in `read_line` reads only while an input runs.
        options.input.readUnlessHeld = { read in writer.unlessPromptShowing(read) }
        // The terminal has echoed `^C`: the notice goes on a line of its own.
        session.interruptedNotice = "\ninterrupted\n"
        historyPath = ReplTerminal.historyFile()
    }

    /// `MALPHAS_HISTORY`, else `~/.malphas_history`.
    static func historyFile() -> String {
        if let p = getenv("MALPHAS_HISTORY"), p.pointee != 0 { return String(cString: p) }
        let home = getenv("HOME").map { String(cString: $0) } ?? "."
        return home + "/.malphas_history"
    }

    /// Runs an interactive session on the terminal and returns the exit status: 0 after
    /// `:quit` or Ctrl-D, `exit(n)`'s n.
    public static func run(options: RunOptions, banner: String) -> Int32 {
        let writer = TerminalWriter()
        let terminal = ReplTerminal(options: options, writer: writer)
        activeTerminal = terminal
        defer {
            activeTerminal = nil
            options.input.readUnlessHeld = nil
        }
        writer.write(to: 1, banner + "\n")
        return terminal.loop()
    }

    // MARK: The loop

    private func loop() -> Int32 {
        setUpReadline()
        installInterruptHandler()
        showPrompt()
        defer {
            rl_callback_handler_remove()
            interruptTarget = nil
        }
        while true {
            if session.takeInterruptRequest() { cancelLine() }
            printQueuedOutput()
            if let line = acceptedLine {
                acceptedLine = nil
                guard let line else {
                    writer.write(to: 1, "\n")
                    return 0
                }
                remember(line)
                let result = session.submit(line: line)
                interruptTarget = session.interruptTarget
                switch result {
                case .evaluated(.exit(let status)): return status
                case .evaluated(.quit): return 0
                default: break
                }
                showPrompt()
                continue
            }
            var timeout: Int32 = -1
            switch session.runBackground(forMs: 100) {
            case .exited(let status): return status
            case .idle(let wake?): timeout = Int32(clamping: max(0, min(wake - monotonicMs(), 1000)))
            case .idle(nil): timeout = -1
            }
            if session.takeInterruptRequest() { cancelLine(); continue }
            printQueuedOutput()
            var fds = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: writer.wakeDescriptor, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, timeout)
            if ready < 0 { continue } // EINTR: a signal; the top of the loop looks at it
            if fds[0].revents != 0 { rl_callback_read_char() }
        }
    }

    /// Shows the right prompt and hands the terminal to readline.
    private func showPrompt() {
        writer.setPromptShowing(true)
        rl_callback_handler_install(session.isContinuing ? ReplTerminal.continuationPrompt : ReplTerminal.prompt,
                                    { line in
            guard let terminal = activeTerminal else { return }
            terminal.acceptedLine = .some(line.map { String(cString: $0) })
            if let line { free(line) }
            // Uncouple readline while the line is evaluated: the prompt stays hidden and
            // the terminal is back in its normal mode (so Ctrl-C is a signal).
            rl_callback_handler_remove()
            terminal.writer.setPromptShowing(false)
        })
    }

    /// Ctrl-C at the prompt: drop the line (and an unfinished input) and start afresh.
    private func cancelLine() {
        session.cancelPending()
        guard acceptedLine == nil else { return }
        // `^C` goes after the text, while readline still owns the line; removing the
        // handler then returns the cursor to the start of the line.
        rl_point = rl_end
        rl_redisplay()
        fflush(rl_outstream)
        writer.setPromptShowing(false)
        writer.write(to: 1, "^C")
        rl_callback_sigcleanup()
        rl_replace_line("", 0)
        rl_callback_handler_remove()
        writer.write(to: 1, "\n")
        showPrompt()
    }

    /// Prints what legions wrote while the prompt showed, above the prompt.
    private func printQueuedOutput() {
        let chunks = writer.takeQueued()
        guard !chunks.isEmpty else { return }
        rl_clear_visible_line()
        // Readline writes through stdio; what it wrote must reach the terminal first.
        fflush(rl_outstream)
        var last: UInt8 = 10
        for chunk in chunks {
            TerminalWriter.writeAll(chunk.fd, chunk.bytes)
            last = chunk.bytes.last ?? last
        }
        if last != 10 { TerminalWriter.writeAll(1, [10]) }
        rl_on_new_line()
        rl_redisplay()
    }

    // MARK: Readline setup, history, completion

    private func setUpReadline() {
        rl_readline_name = UnsafePointer(strdup("malphas"))
        rl_catch_signals = 0
        rl_basic_word_break_characters = UnsafePointer(strdup(" \t\n\"\\'`@$><=;|&{}()[],.+-*/%!^:?"))
        rl_attempted_completion_function = { text, start, _ in
            guard let terminal = activeTerminal else { return nil }
            let line = Array(String(cString: rl_line_buffer).utf8)
            let before = line.prefix(Int(start))
            let context: ReplSession.CompletionContext
            if before.first == UInt8(ascii: ":") {
                if before.count == 1 {
                    context = .command
                } else if String(decoding: before, as: UTF8.self).hasPrefix(":l") {
                    // `:load FILE`: readline's own file-name completion.
                    rl_attempted_completion_over = 0
                    return nil
                } else {
                    context = .expression
                }
            } else {
                context = before.last == UInt8(ascii: ".") ? .member : .expression
            }
            rl_attempted_completion_over = 1
            // A completed name is usually followed by `(`, `.` or an operator: no space.
            rl_completion_append_character = context == .command ? 32 : 0
            terminal.completionCandidates = terminal.session.completions(of: text.map { String(cString: $0) } ?? "",
                                                                          context: context)
            terminal.completionIndex = 0
            return rl_completion_matches(text, { _, _ in
                guard let terminal = activeTerminal, terminal.completionIndex < terminal.completionCandidates.count
                else { return nil }
                terminal.completionIndex += 1
                return strdup(terminal.completionCandidates[terminal.completionIndex - 1])
            })
        }
        using_history()
        stifle_history(ReplTerminal.historyLimit)
        if read_history(historyPath) != 0 {
            // No history yet: create the file so entries can be appended to it.
            _ = write_history(historyPath)
        }
    }

    /// Adds an input line to the history, in memory and in the file.
    private func remember(_ line: String) {
        guard !line.trimmingWhitespace.isEmpty else { return }
        if let last = history_get(history_base + history_length - 1), String(cString: last.pointee.line) == line { return }
        add_history(line)
        if append_history(1, historyPath) == 0 {
            _ = history_truncate_file(historyPath, ReplTerminal.historyLimit)
        }
    }

    private func installInterruptHandler() {
        interruptTarget = session.interruptTarget
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            if let target = interruptTarget { mal_store_relaxed_u8(target, 1) }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
        // A parent may have started us with SIGINT blocked; the mask is inherited.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }
}

/// The terminal whose readline callbacks are running (readline's callbacks are C
/// functions and cannot capture it).
private var activeTerminal: ReplTerminal?

/// Where SIGINT writes: the session's interrupt request. Read by the signal handler; set
/// by the loop between evaluations.
private var interruptTarget: UnsafeMutablePointer<UInt8>?

/// The one writer every byte of a terminal session goes through: program output,
/// values, command output and error reports, from any thread. While readline shows the
/// prompt, writes are queued and the loop is woken through a pipe to print them above
/// the prompt; otherwise they go straight to the terminal.
final class TerminalWriter {
    /// Guards `promptShowing` and `queued`.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var promptShowing = false
    private var queued: [(fd: Int32, bytes: [UInt8])] = []
    private var pipeEnds: [Int32] = [-1, -1]
    /// Readable when output is queued.
    var wakeDescriptor: Int32 { pipeEnds[0] }

    init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        _ = pipe(&pipeEnds)
        for fd in pipeEnds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    }

    func write(to fd: Int32, _ bytes: UnsafeRawBufferPointer) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if promptShowing {
            queued.append((fd, Array(bytes)))
            var one: UInt8 = 1
            _ = Glibc.write(pipeEnds[1], &one, 1)
        } else {
            TerminalWriter.writeAll(fd, Array(bytes))
        }
    }

    func write(to fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { write(to: fd, UnsafeRawBufferPointer($0)) }
    }

    /// Runs `body` (a legion's read of the terminal) and answers true unless the prompt
    /// shows, under the lock that showing the prompt takes: a read never overlaps it.
    func unlessPromptShowing(_ body: () -> Void) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if promptShowing { return false }
        body()
        return true
    }

    func setPromptShowing(_ showing: Bool) {
        pthread_mutex_lock(mutex)
        promptShowing = showing
        pthread_mutex_unlock(mutex)
    }

    /// What was written while the prompt showed, in order.
    func takeQueued() -> [(fd: Int32, bytes: [UInt8])] {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        var drain = [UInt8](repeating: 0, count: 256)
        while Glibc.read(pipeEnds[0], &drain, drain.count) > 0 {}
        let out = queued
        queued = []
        return out
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { break }
            }
        }
    }
}
