// The instructions that involve other legions: spawn, channel operations, select, and
// the scheduling builtins. A blocking operation either completes at once or queues a
// waiter and returns a `BlockReason`; the loop then saves the pc of the instruction
// itself, so when the legion is readied the instruction runs again and consumes the
// `completion` its counterpart left.

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
            return .block(.sleep(untilMs: CooperativeScheduler.monotonicMs() + ms))
        case .yieldNow:
            return .yield
        case .legionId:
            return .value(.int(legion.id))
        case .numWorkers:
            return .value(.int(1))
        case .nowMs:
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            return .value(.int(Int(ts.tv_sec) * 1000 + Int(ts.tv_nsec) / 1_000_000))
        case .close:
            guard case .channel(let ch) = args[0].dereferenced else {
                throw RuntimeError("builtin `close` expects a channel, got \(args[0].typeName)")
            }
            try ch.close(scheduler: scheduler)
            return .value(.unit)
        case .callerLocation:
            return .value(.string(StringBox(callerLocation(legion))))
        default:
            throw VM.internalError("schedulingBuiltin")
        }
    }

    /// A builtin called through a function value.
    func callNative(_ f: BuiltinFunction, args: UnsafeMutablePointer<Value>, count: Int, legion: LegionState) throws -> Value {
        if f.isHandledByVM {
            if case .value(let v) = try schedulingBuiltin(f, args: args, count: count, legion: legion) { return v }
            throw RuntimeError("builtin `\(f.name)` cannot be called through a function value")
        }
        return try Builtins.call(f, UnsafeBufferPointer(start: args, count: count), context)
    }

    /// `spawn callee(args)`: a new legion running a copy of the closure (its captured
    /// cells copied too: legions share nothing) on the arguments.
    func spawn(_ r: UnsafeMutablePointer<Value>, count: Int) throws {
        guard case .function(let closure) = r[0] else {
            throw RuntimeError("cannot spawn a value of type \(r[0].typeName): spawn a function call or a block")
        }
        if count != closure.code.arity { throw VM.arityError(closure.code, count) }
        let copy = ClosureBox(code: closure.code, upvalues: closure.upvalues.map { ReferenceBox($0.value) })
        let legion = scheduler.newLegion()
        legion.start(copy, args: Array(UnsafeBufferPointer(start: r + 1, count: count)))
        scheduler.spawn(legion)
    }

    private func channel(_ v: Value, _ what: String) throws -> ChannelBox {
        guard case .channel(let ch) = v.dereferenced else {
            throw RuntimeError("cannot \(what) a value of type \(v.typeName): it is not a channel")
        }
        return ch
    }

    /// `ch <- value`; nil when done, else why the legion blocks.
    func send(_ chValue: Value, _ value: Value, legion: LegionState) throws -> BlockReason? {
        if let c = legion.completion {
            legion.completion = nil
            switch c {
            case .sent: return nil
            case .sendClosed: throw RuntimeError("send on a closed channel")
            default: throw VM.internalError("send completion")
            }
        }
        let ch = try channel(chValue, "send on")
        switch ch.trySend(value, scheduler: scheduler) {
        case .done: return nil
        case .closed: throw RuntimeError("send on a closed channel")
        case .wouldBlock:
            ch.enqueueSender(Waiter(legion: legion, group: WaitGroup(), caseIndex: -1, value: value))
            return .send(ch)
        }
    }

    enum ReceiveStep {
        case received(Value)
        case closed
        case block(BlockReason)
    }

    func receiveStep(_ ch: ChannelBox, legion: LegionState) throws -> ReceiveStep {
        if let c = legion.completion {
            legion.completion = nil
            switch c {
            case .received(let v): return .received(v)
            case .receivedClosed: return .closed
            default: throw VM.internalError("receive completion")
            }
        }
        switch ch.tryReceive(scheduler: scheduler) {
        case .value(let v): return .received(v)
        case .closed: return .closed
        case .wouldBlock:
            ch.enqueueReceiver(Waiter(legion: legion, group: WaitGroup(), caseIndex: -1))
            return .block(.receive(ch))
        }
    }

    /// `<-ch` into `target`: nil once the channel is closed and drained.
    func receive(_ chValue: Value, into target: UnsafeMutablePointer<Value>, legion: LegionState) throws -> BlockReason? {
        let ch = try channel(chValue, "receive from")
        switch try receiveStep(ch, legion: legion) {
        case .received(let v): target.pointee = v; return nil
        case .closed: target.pointee = .nil; return nil
        case .block(let reason): return reason
        }
    }

    /// `select`: performs one ready case, chosen uniformly at random, writing its index to
    /// `result[0]` and a received value to `result[1]`; with a default and nothing ready,
    /// the index is -1; otherwise it parks on every case's channel at once.
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
        var channels: [ChannelBox] = []
        channels.reserveCapacity(table.count)
        for entry in table {
            channels.append(try channel(regs[entry.channelRegister], entry.kind == .send ? "send on" : "receive from"))
        }
        var ready: [Int] = []
        for (i, entry) in table.enumerated() {
            if entry.kind == .send ? channels[i].canSend() : channels[i].canReceive() { ready.append(i) }
        }
        if !ready.isEmpty {
            let i = ready[random(ready.count)]
            let entry = table[i]
            result[0] = .int(i)
            if entry.kind == .send {
                switch channels[i].trySend(regs[entry.valueRegister], scheduler: scheduler) {
                case .done: result[1] = .nil
                case .closed: throw RuntimeError("send on a closed channel")
                case .wouldBlock: throw VM.internalError("select send")
                }
            } else {
                switch channels[i].tryReceive(scheduler: scheduler) {
                case .value(let v): result[1] = v
                case .closed: result[1] = .nil
                case .wouldBlock: throw VM.internalError("select receive")
                }
            }
            return nil
        }
        if hasDefault {
            result[0] = .int(-1)
            result[1] = .nil
            return nil
        }
        let group = WaitGroup()
        for (i, entry) in table.enumerated() {
            if entry.kind == .send {
                channels[i].enqueueSender(Waiter(legion: legion, group: group, caseIndex: i, value: regs[entry.valueRegister]))
            } else {
                channels[i].enqueueReceiver(Waiter(legion: legion, group: group, caseIndex: i))
            }
        }
        return .select(channels)
    }
}
