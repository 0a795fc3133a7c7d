// The instructions that involve other legions: spawn, channel operations, select, and
// the scheduling builtins. A blocking operation either completes at once or queues a
// waiter and returns a `BlockReason`; the loop then saves the pc of the instruction
// itself, so when the legion is readied the instruction runs again and consumes the
// `completion` its counterpart left.

import CLegion
import Glibc
import MalphasCompiler

extension VM {
    enum BuiltinStep {
        case value(Value)
        case yield
        case block(BlockReason)
    }

    /// `sleep yield_now legion_id num_workers now_ms close`.
    func schedulingBuiltin(_ f: BuiltinFunction, args: UnsafeMutablePointer<Value>, count: Int,
                           legion: LegionState) throws -> BuiltinStep {
        guard f.arity.contains(count) else {
            throw RuntimeError("builtin `\(f.name)` takes \(f.arityDescription) but \(count) \(count == 1 ? "was" : "were") supplied")
        }
        switch f {
        case .sleep:
            if let c = legion.completion {
                legion.completion = nil
                if case .timerFired = c { return .value(.unit) }
            }
            // Durations past a year are clamped to a year (it is a sleep either way).
            let year: Int64 = 365 * 24 * 3600 * 1000
            let ms: Int64
            switch args[0].dereferenced {
            case .int(let n): ms = min(Int64(n), year)
            case .float(let d) where !d.isNaN: ms = d >= Double(year) ? year : Int64(max(d, -1))
            case let v: throw RuntimeError("builtin `sleep` expects a number of milliseconds, got \(v.typeName)")
            }
            if ms <= 0 { return .yield }
            let ns = ms >= Int64.max / 1_000_000 ? UInt64(Int64.max) : UInt64(ms) * 1_000_000
            return .block(.sleep(untilNs: lg_clock_ns() &+ ns))
        case .yieldNow:
            return .yield
        case .legionId:
            return .value(.int(legion.id))
        case .numWorkers:
            return .value(.int(Int(lg_num_workers())))
        case .nowMs:
            // A seeded schedule's virtual clock, from 0: the same in every replay.
            if runtime.isSeeded { return .value(.int(Int(lg_clock_ns() / 1_000_000))) }
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            return .value(.int(Int(ts.tv_sec) * 1000 + Int(ts.tv_nsec) / 1_000_000))
        case .close:
            guard case .channel(let ch) = args[0].dereferenced else {
                throw RuntimeError("builtin `close` expects a channel, got \(args[0].typeName)")
            }
            try ch.close(runtime: runtime)
            return .value(.unit)
        case .callerLocation:
            return .value(.string(StringBox(callerLocation(legion))))
        case .netListen, .netConnect, .netAccept, .netReadLine, .netRead, .netWrite, .netClose, .netAddr, .netSetTimeout:
            return try netBuiltin(f, args: args, legion: legion)
        case .readLine:
            return try readLineOrPark(legion: legion)
        default:
            throw VM.internalError("schedulingBuiltin")
        }
    }

    /// `read_line()`: in `malphas run` (`Input.parksOnPoller`), a legion waiting for a
    /// line of a pipe or terminal parks on the runtime's poller like a network read
    /// (NetNatives.swift), so its worker runs other legions; elsewhere (a REPL, a
    /// regular file, a string) the read blocks in the bracket as any builtin would.
    func readLineOrPark(legion: LegionState) throws -> BuiltinStep {
        if case .ioWoken(let wait)? = legion.completion {
            legion.completion = nil
            // Standard input is never closed through the poller, nor given a deadline:
            // the outcome is always "try again".
            _ = lg_poll_unpark(wait.descriptor, wait.direction, wait.deadline)
        }
        guard context.input.parksOnPoller else { return .value(try Builtins.call(.readLine, UnsafeBufferPointer(start: nil, count: 0), context)) }
        // The prompt the program printed must show before it waits.
        context.flush()
        switch context.input.readLineOrPark() {
        case .line(let line)?:
            return .value(line.map { .string(StringBox($0)) } ?? .nil)
        case .wouldBlock(let descriptor)?:
            return .block(.io(IOWait(descriptor: descriptor, operation: .readStandardInput, deadline: 0, written: 0)))
        case nil:
            return .value(try Builtins.call(.readLine, UnsafeBufferPointer(start: nil, count: 0), context))
        }
    }

    /// A builtin called through a function value.
    func callNative(_ f: BuiltinFunction, args: UnsafeMutablePointer<Value>, count: Int, legion: LegionState) throws -> Value {
        // Called through a function value, it cannot park: it reads as in a REPL.
        if f.isHandledByVM && f != .readLine {
            if case .value(let v) = try schedulingBuiltin(f, args: args, count: count, legion: legion) { return v }
            throw RuntimeError("builtin `\(f.name)` cannot be called through a function value")
        }
        return try Builtins.call(f, UnsafeBufferPointer(start: args, count: count), context)
    }

    /// `spawn callee(args)`: a new legion running a copy of the closure on copies of the
    /// arguments and of the spawning legion's global slots (`Value.copiedForLegion`, one
    /// copier for all of them, so cells they share stay shared in the new legion only).
    func spawn(_ r: UnsafeMutablePointer<Value>, count: Int, parent: LegionState) throws {
        guard case .function(let closure) = r[0] else {
            throw RuntimeError("cannot spawn a value of type \(r[0].typeName): spawn a function call or a block")
        }
        if count != closure.code.arity { throw VM.arityError(closure.code, count) }
        let id = runtime.newLegionID()
        try runtime.checkLegionLimit(newID: id)
        var copier = LegionCopier()
        guard case .function(let copy) = copier.copy(r[0]) else { throw VM.internalError("spawn copy") }
        // The stack is made at the size the first frame needs; the arguments go straight
        // into the new legion's registers; the global slots are copied after them with
        // the same copier.
        let legion = LegionState(id: id, stackCapacity: LegionState.stackNeeded(for: copy.code, argumentCount: count))
        legion.start(copy, argumentCount: count, globals: []) { i in copier.copy(r[1 + i]) }
        legion.globals = parent.globalsForSpawn(&copier)
        if let group = parent.group {
            // A test's legions belong to the test (and run on its VM).
            legion.group = group
            group.added(legion)
        }
        try runtime.spawn(legion)
    }

    /// A global slot past the end of the legion's own copy: a REPL session variable that
    /// was first defined after the legion was spawned (a program's legions all have every
    /// slot).
    func missingGlobal(_ slot: Int) -> RuntimeError {
        let name = slot < program.globalNames.count ? program.globalNames[slot] : "#\(slot)"
        return RuntimeError("session variable `\(name)` was defined after this legion was spawned, so it has no copy "
                            + "of it (legions share nothing: each has the session variables as they were at its spawn); "
                            + "send the legion the value on a channel")
    }

    private func channel(_ v: Value, _ what: String) throws -> ChannelBox {
        if case .channel(let ch) = v { return ch }
        guard case .channel(let ch) = v.dereferenced else {
            throw RuntimeError("cannot \(what) a value of type \(v.typeName): it is not a channel")
        }
        return ch
    }

    /// The channel in `slot` itself, unretained (nil if it holds something else). Read and
    /// let go before any call, so no retain and release pair is paid around the operation.
    @inline(__always)
    static func unretainedChannel(in slot: UnsafeMutablePointer<Value>) -> Unmanaged<ChannelBox>? {
        if case .channel(let ch) = slot.pointee { return Unmanaged.passUnretained(ch) }
        return nil
    }

    /// The channel in `slot` (or in the cell it refers to), unretained: the register keeps
    /// it alive for the whole instruction, and a send or receive runs on it with no
    /// reference counting.
    @inline(__always)
    private func channel(in slot: UnsafeMutablePointer<Value>, _ what: String) throws -> Unmanaged<ChannelBox> {
        if let ch = VM.unretainedChannel(in: slot) { return ch }
        return Unmanaged.passUnretained(try channel(slot.pointee, what))
    }

    /// `ch <- value`; nil when done, else why the legion blocks. When it blocks, it has
    /// queued itself and still holds the channel's lock (`legion.heldChannel`): the park
    /// commit releases it.
    func send(_ chSlot: UnsafeMutablePointer<Value>, _ valueSlot: UnsafeMutablePointer<Value>, legion: LegionState) throws -> BlockReason? {
        if let c = legion.completion {
            legion.completion = nil
            switch c {
            case .sent: return nil
            case .sendClosed: throw RuntimeError("send on a closed channel")
            default: throw VM.internalError("send completion")
            }
        }
        let channel = try channel(in: chSlot, "send on")
        // Legions share nothing: a reference sends (a copy of) the value it refers to.
        let v = valueSlot.pointee.dereferenced.copiedForLegion
        var wake: Unmanaged<LegionState>?
        let attempt = channel._withUnsafeGuaranteedRef { ch in
            ch.acquire()
            let attempt = ch.trySend(v, wake: &wake)
            switch attempt {
            case .done, .closed:
                ch.release()
            case .wouldBlock:
                ch.enqueueSender(Waiter(legion: legion, park: legion.openPark(), value: v))
            }
            return attempt
        }
        switch attempt {
        case .done:
            if let w = wake { runtime.ready(w) }
            return nil
        case .closed:
            throw RuntimeError("send on a closed channel")
        case .wouldBlock:
            legion.heldChannel = channel
            return .send
        }
    }

    enum ReceiveStep {
        case received(Value)
        case closed
        case block(BlockReason)
    }

    /// A receive; when it blocks, the legion holds the channel's lock as in `send`.
    func receiveStep(_ channel: Unmanaged<ChannelBox>, legion: LegionState) throws -> ReceiveStep {
        if let c = legion.completion {
            legion.completion = nil
            switch c {
            case .received(let v): return .received(v)
            case .receivedClosed: return .closed
            default: throw VM.internalError("receive completion")
            }
        }
        var wake: Unmanaged<LegionState>?
        let attempt = channel._withUnsafeGuaranteedRef { ch in
            ch.acquire()
            let attempt = ch.tryReceive(wake: &wake)
            switch attempt {
            case .value, .closed:
                ch.release()
            case .wouldBlock:
                ch.enqueueReceiver(Waiter(legion: legion, park: legion.openPark()))
            }
            return attempt
        }
        switch attempt {
        case .value(let v):
            if let w = wake { runtime.ready(w) }
            return .received(v)
        case .closed:
            return .closed
        case .wouldBlock:
            legion.heldChannel = channel
            return .block(.receive)
        }
    }

    /// `<-ch` into `target`: nil once the channel is closed and drained.
    func receive(_ chSlot: UnsafeMutablePointer<Value>, into target: UnsafeMutablePointer<Value>, legion: LegionState) throws -> BlockReason? {
        switch try receiveStep(channel(in: chSlot, "receive from"), legion: legion) {
        case .received(let v): target.pointee = v; return nil
        case .closed: target.pointee = .nil; return nil
        case .block(let reason): return reason
        }
    }

    /// `select`: performs one ready case, chosen uniformly at random, writing its index to
    /// `result[0]` and a received value to `result[1]`; with a default and nothing ready,
    /// the index is -1; otherwise it queues a waiter on every case's channel at once and
    /// parks holding all their locks (`legion.heldChannels`), taken in address order.
    func select(_ table: [SelectCaseEntry], hasDefault: Bool, result: UnsafeMutablePointer<Value>,
                regs: UnsafeMutablePointer<Value>, legion: LegionState) throws -> BlockReason? {
        if let c = legion.completion {
            legion.completion = nil
            switch c {
            case .selected(let i, let v):
                result[0] = .int(i); result[1] = v
                return nil
            case .selectedSendClosed:
                throw RuntimeError("send on a closed channel")
            default:
                throw VM.internalError("select completion")
            }
        }
        if table.isEmpty {
            result[0] = .int(-1)
            result[1] = .nil
            return nil
        }
        if table.count > Waiter.maxSelectCases {
            throw RuntimeError("a select may have at most \(Waiter.maxSelectCases) cases; this one has \(table.count)")
        }
        var channels: [ChannelBox] = []
        channels.reserveCapacity(table.count)
        for entry in table {
            channels.append(try channel(regs[entry.channelRegister], entry.kind == .send ? "send on" : "receive from"))
        }
        // Lock every distinct channel once, in address order.
        var locked: [ChannelBox] = []
        swap(&locked, &legion.heldChannels)
        locked.removeAll(keepingCapacity: true)
        locked.append(contentsOf: channels)
        if locked.count > 1 {
            locked.sort { UInt(bitPattern: ObjectIdentifier($0)) < UInt(bitPattern: ObjectIdentifier($1)) }
            var distinct = 1
            for i in 1..<locked.count where locked[i] !== locked[distinct - 1] {
                locked[distinct] = locked[i]
                distinct += 1
            }
            locked.removeLast(locked.count - distinct)
        }
        for ch in locked { ch.acquire() }
        func releaseAll() {
            for ch in locked.reversed() { ch.release() }
            locked.removeAll(keepingCapacity: true)
            swap(&locked, &legion.heldChannels)
        }

        var readyCount = 0
        var chosen = -1
        for (i, entry) in table.enumerated() {
            if entry.kind == .send ? channels[i].canSend() : channels[i].canReceive() {
                // Reservoir sampling: each ready case is kept with probability 1/readyCount.
                readyCount += 1
                let pick = runtime.isSeeded ? Int(lg_schedule_choice(UInt32(readyCount))) : legion.random(readyCount)
                if pick == 0 { chosen = i }
            }
        }
        if chosen >= 0 {
            let entry = table[chosen]
            var wake: Unmanaged<LegionState>?
            result[0] = .int(chosen)
            if entry.kind == .send {
                switch channels[chosen].trySend(regs[entry.valueRegister].dereferenced.copiedForLegion, wake: &wake) {
                case .done: result[1] = .nil
                case .closed:
                    releaseAll()
                    throw RuntimeError("send on a closed channel")
                case .wouldBlock:
                    releaseAll()
                    throw VM.internalError("select send")
                }
            } else {
                switch channels[chosen].tryReceive(wake: &wake) {
                case .value(let v): result[1] = v
                case .closed: result[1] = .nil
                case .wouldBlock:
                    releaseAll()
                    throw VM.internalError("select receive")
                }
            }
            releaseAll()
            if let w = wake { runtime.ready(w) }
            return nil
        }
        if hasDefault {
            releaseAll()
            result[0] = .int(-1)
            result[1] = .nil
            return nil
        }
        let park = legion.openPark()
        for (i, entry) in table.enumerated() {
            if entry.kind == .send {
                channels[i].enqueueSender(Waiter(legion: legion, park: park, caseIndex: i,
                                                 value: regs[entry.valueRegister].dereferenced.copiedForLegion))
            } else {
                channels[i].enqueueReceiver(Waiter(legion: legion, park: park, caseIndex: i))
            }
        }
        legion.heldChannels = locked
        return .select
    }
}
