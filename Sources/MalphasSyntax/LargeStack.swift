// Compiling and formatting run on a thread of their own with a large stack. The parser bounds nesting
// (256 levels), the resolver and compiler walk operator chains in loops, but what they
// still do recursively (nested blocks, patterns, types, closures inside closures) costs
// several native frames per level, and debug builds use large frames: the caller's
// thread may be small (a REPL on a worker, a test on 512 KiB). The stack is reserved,
// not committed: the kernel backs only the pages actually touched.

import Glibc

public enum LargeStack {
    /// The stack size of the compiling thread.
    public static let size = 256 << 20

    /// Runs `body` on a new thread with a `size`-byte stack and returns its result. If
    /// the thread cannot be created, runs it on the calling thread.
    public static func run<T>(_ body: () -> T) -> T {
        withoutActuallyEscaping(body) { body in
            let job = LargeStackJob(body)
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            defer { pthread_attr_destroy(&attributes) }
            pthread_attr_setstacksize(&attributes, size)
            var thread = pthread_t()
            let context = Unmanaged.passRetained(job as AnyLargeStackJob).toOpaque()
            let created = pthread_create(&thread, &attributes, { raw in
                let job = Unmanaged<AnyLargeStackJob>.fromOpaque(raw!).takeRetainedValue()
                job.run()
                return nil
            }, context)
            guard created == 0 else {
                Unmanaged<AnyLargeStackJob>.fromOpaque(context).release()
                return body()
            }
            pthread_join(thread, nil)
            return job.result!
        }
    }
}

/// The work a `LargeStack` thread runs (a class so its address can cross pthread_create).
class AnyLargeStackJob {
    func run() {}
}

final class LargeStackJob<T>: AnyLargeStackJob {
    let body: () -> T
    var result: T?
    init(_ body: @escaping () -> T) { self.body = body }
    override func run() { result = body() }
}
