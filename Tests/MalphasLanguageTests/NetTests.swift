import XCTest
@testable import MalphasVM

/// LANGUAGE 11 and std::net, one behaviour per test, each on 1, 2 and 4 workers (and, as
/// every program here, also suspending at every safe point). Everything stays on
/// 127.0.0.1 with ports the system picks, and every program ends by itself.
final class NetTests: XCTestCase {
    private func expectNet(_ source: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        for workers in [1, 2, 4] {
            expectOutput(source, expected, workers: workers, file: file, line: line)
        }
    }

    private func expectNetError(_ source: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        for workers in [1, 2, 4] {
            expectRuntimeError(source, message, workers: workers, file: file, line: line)
        }
    }

    // MARK: The calls

    func testListenPicksAPortAndConnectReachesIt() {
        expectNet("""
        use std::net;
        fn main() {
            let ln = net::listen("127.0.0.1:0");
            let addr = ln.addr();
            println(addr.starts_with("127.0.0.1:"), addr != "127.0.0.1:0");
            let c = net::connect(addr);
            let s = ln.accept();
            println(c.peer() == addr, s.peer() == c.addr());
            c.close(); s.close(); ln.close();
        }
        """, "truetrue\ntruetrue\n")
    }

    func testWriteReturnsTheBytesAndReadLineReturnsLinesThenNil() {
        expectNet("""
        use std::net;
        fn main() {
            let ln = net::listen("127.0.0.1:0");
            let c = net::connect(ln.addr());
            let s = ln.accept();
            println(c.write("one\\r\\ntwo\\nlast without newline"));
            c.close();
            println(s.read_line());
            println(s.read_line());
            println(s.read_line());
            println(s.read_line());
            s.close(); ln.close();
        }
        """, "29\none\ntwo\nlast without newline\nnil\n")
    }

    func testReadReturnsAtMostNBytesAndEmptyAtEndOfStream() {
        expectNet("""
        use std::net;
        fn main() {
            let ln = net::listen("127.0.0.1:0");
            let c = net::connect(ln.addr());
            let s = ln.accept();
            c.write("abcdef");
            c.close();
            let mut got = "";
            loop {
                let part = s.read(4);
                if part == "" { break; }
                assert(part.len() <= 4);
                got = got + part;
            }
            println(got);
            println(s.read(4) == "");
            s.close(); ln.close();
        }
        """, "abcdef\ntrue\n")
    }

    func testALegionWaitingToReadParksAndWakesWhenDataArrives() {
        expectNet("""
        use std::net;
        fn reader(s: net::Conn, out: chan string) { out <- s.read_line(); }
        fn main() {
            let ln = net::listen("127.0.0.1:0");
            let c = net::connect(ln.addr());
            let s = ln.accept();
            let out = make[chan string](0);
            spawn reader(s, out);
            sleep(20);
            c.write("late line\\n");
            println(<-out);
            c.close(); s.close(); ln.close();
        }
        """, "late line\n")
    }

    func testConnectionsSentOnAChannelShareTheConnection() {
        expectNet("""
        use std::net;
        fn answer(conns: chan net::Conn) {
            let c = <-conns;
            c.write(format("got {}\\n", c.read_line()));
        }
        fn main() {
            let ln = net::listen("127.0.0.1:0");
            let c = net::connect(ln.addr());
            let conns = make[chan net::Conn](1);
            conns <- ln.accept();
            spawn answer(conns);
            c.write("ping\\n");
            println(c.read_line());
            c.close(); ln.close();
        }
        """, "got ping\n")
    }

    func testTheTryFormsReturnOk() {
        expectNet("""
        use std::io::Result;
        use std::net;
        fn main() {
            let ln = net::try_listen("127.0.0.1:0").unwrap();
            let c = net::try_connect(ln.addr()).unwrap();
            let s = ln.accept();
            println(c.try_write("hi\\nthere").unwrap());
            c.close();
            println(s.try_read_line().unwrap());
            println(s.try_read(10).unwrap());
            println(s.try_read_line().unwrap());
            println(s.try_read(10).is_ok());
            s.close(); ln.close();
        }
        """, "8\nhi\nthere\nnil\ntrue\n")
    }

    func testManyClientsAreServedByALegionEach() {
        expectNet("""
        use std::net;
        fn handle(c: net::Conn) {
            let n = c.read_line().parse_int();
            c.write(format("{}\\n", n * n));
            c.close();
        }
        fn serve(ln: net::Listener, n: int) {
            for _ in 0..n { spawn handle(ln.accept()); }
        }
        fn client(addr: string, i: int, out: chan int) {
            let c = net::connect(addr);
            c.write(format("{}\\n", i));
            out <- c.read_line().parse_int();
            c.close();
        }
        fn main() {
            let ln = net::listen("127.0.0.1:0");
            spawn serve(ln, 50);
            let out = make[chan int](0);
            for i in 0..50 { spawn client(ln.addr(), i, out); }
            let mut sum = 0;
            for _ in 0..50 { sum += <-out; }
            println(sum);
            ln.close();
        }
        """, "40425\n")
    }

    // MARK: Errors

    func testConnectingToAClosedPortIsRefused() {
        expectNet("""
        use std::io::Result;
        use std::net;
        fn main() {
            let ln = net::listen("127.0.0.1:0");
            let addr = ln.addr();
            ln.close();
            match net::try_connect(addr) {
                Result::Ok(_) => println("connected"),
                Result::Err(e) => println(e == format("cannot connect to {}: connection refused", addr)),
            }
        }
        """, "true\n")
        expectNetError("""
        use std::net;
        fn main() {
            let ln = net::listen("127.0.0.1:0");
            let addr = ln.addr();
            ln.close();
            net::connect(addr);
        }
        """, ": connection refused")
    }

    func testListeningOnAPortInUseFails() {
        expectNet("""
        use std::net;
        fn main() {
            let ln = net::listen("127.0.0.1:0");
            let e = net::try_listen(ln.addr()).err();
            println(e == format("cannot listen on {}: address already in use", ln.addr()));
            ln.close();
        }
        """, "true\n")
    }

    func testABadAddressIsAnErrorNamingIt() {
        expectNetError("""
        use std::net;
        fn main() { net::listen("127.0.0.1"); }
        """, "cannot listen on 127.0.0.1: the address must be \"host:port\"")
        expectNetError("""
        use std::net;
        fn main() { net::connect("example:80"); }
        """, "cannot connect to example:80: `example` is not an IPv4 address")
    }

    func testAReadThatWaitsLongerThanTheTimeoutFails() {
        expectNet("""
        use std::net;
        fn main() {
            let ln = net::listen("127.0.0.1:0");
            let c = net::connect(ln.addr());
            let s = ln.accept();
            s.set_timeout_ms(30);
            let e = s.try_read_line().err();
            println(e == format("cannot read from {}: timed out", c.addr()));
            c.write("after\\n");
            s.set_timeout_ms(0);
            println(s.read_line());
            c.close(); s.close(); ln.close();
        }
        """, "true\nafter\n")
        expectNetError("""
        use std::net;
        fn main() {
            let ln = net::listen("127.0.0.1:0");
            let c = net::connect(ln.addr());
            c.set_timeout_ms(10);
            c.read(1);
        }
        """, ": timed out")
    }

    func testReadingAConnectionThePeerResetFails() {
        expectNet("""
        use std::net;
        fn main() {
            let ln = net::listen("127.0.0.1:0");
            let c = net::connect(ln.addr());
            let s = ln.accept();
            c.write("never read\\n");
            s.close(); // with unread input: the connection is reset
            let e = c.try_read_line().err();
            println(e == format("cannot read from {}: connection reset by peer", ln.addr()));
            c.close(); ln.close();
        }
        """, "true\n")
    }

    func testReadingOrWritingAfterCloseFails() {
        expectNet("""
        use std::net;
        fn main() {
            let ln = net::listen("127.0.0.1:0");
            let c = net::connect(ln.addr());
            c.close();
            println(c.try_read_line().err());
            println(c.try_write("x").err());
            ln.close();
        }
        """, "cannot read from a closed connection\ncannot write to a closed connection\n")
        expectNetError("""
        use std::net;
        fn main() {
            let ln = net::listen("127.0.0.1:0");
            ln.close();
            ln.accept();
        }
        """, "cannot accept on a closed listener")
    }

    func testClosingAConnectionWakesTheLegionWaitingOnItWithAnError() {
        expectNet("""
        use std::net;
        fn reader(s: net::Conn, out: chan string) { out <- s.try_read_line().err(); }
        fn main() {
            let ln = net::listen("127.0.0.1:0");
            let c = net::connect(ln.addr());
            let s = ln.accept();
            let out = make[chan string](0);
            spawn reader(s, out);
            sleep(20);
            s.close();
            println(<-out);
            c.close(); ln.close();
        }
        """, "cannot read from a closed connection\n")
    }

    func testClosingAListenerWakesTheLegionWaitingInAccept() {
        expectNetError("""
        use std::net;
        fn acceptor(ln: net::Listener, out: chan string) {
            ln.accept();
            out <- "accepted";
        }
        fn main() {
            let ln = net::listen("127.0.0.1:0");
            spawn acceptor(ln, make[chan string](0));
            sleep(20);
            ln.close();
            sleep(1000); // the acceptor's error ends the program first
        }
        """, "legion 2 panicked: cannot accept on a closed listener")
    }

    // MARK: Scale

    /// 3,000 connections whose reads all wait run on one worker with no thread per
    /// connection: the OS threads of the process (/proc/self/task) grow by at most 3.
    func testThreeThousandWaitingReadsTakeNoThreadEachOnOneWorker() {
        expectOutput("""
        use std::io;
        use std::net;

        fn reader(c: net::Conn, done: chan int) {
            let line = c.read_line();
            done <- if line == nil { 1 } else { 0 };
        }

        fn serve(ln: net::Listener, n: int, done: chan int, accepted: chan int) {
            for _ in 0..n {
                spawn reader(ln.accept(), done);
            }
            accepted <- n;
        }

        fn main() {
            let n = 3000;
            let threads_before = io::list_dir("/proc/self/task").len();
            let ln = net::listen("127.0.0.1:0");
            let done = make[chan int](n);
            let accepted = make[chan int](0);
            spawn serve(ln, n, done, accepted);
            let mut clients = [];
            for _ in 0..n {
                clients.push(net::connect(ln.addr()));
            }
            println("accepted {}", <-accepted);
            sleep(50); // every reader reaches its read and parks
            let threads = io::list_dir("/proc/self/task").len();
            println("extra OS threads while {} reads wait: at most 3? {}", n, threads - threads_before <= 3);
            for c in clients {
                c.close();
            }
            let mut ended = 0;
            for _ in 0..n {
                ended += <-done;
            }
            println("readers that saw the end of their stream: {}", ended);
            ln.close();
        }
        """, "accepted 3000\nextra OS threads while 3000 reads wait: at most 3? true\n"
            + "readers that saw the end of their stream: 3000\n", workers: 1)
    }
}
