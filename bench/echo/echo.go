// echo: CLIENTS clients each make ROUNDS round trips of one line with an echo server,
// all on loopback in one process. Prints the number of round trips. The two counts are
// the program's arguments (1,000 and 100 when absent; the echo_few workload passes
// 100 and 1,000).
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
)

var clients = countArg(1, 1000)
var rounds = countArg(2, 100)

// countArg is the program's argument i as a count, otherwise when there is none.
func countArg(i int, otherwise int) int {
	if len(os.Args) > i {
		n, err := strconv.Atoi(os.Args[i])
		if err != nil {
			panic(err)
		}
		return n
	}
	return otherwise
}

func handle(c net.Conn) {
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			break
		}
		c.Write([]byte(line))
	}
	c.Close()
}

func client(addr string, done chan int) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		panic(err)
	}
	r := bufio.NewReader(c)
	ok := 0
	for i := 0; i < rounds; i++ {
		msg := "hello " + strconv.Itoa(i) + "\n"
		c.Write([]byte(msg))
		line, _ := r.ReadString('\n')
		if line == msg {
			ok++
		}
	}
	c.Close()
	done <- ok
}

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() {
		for i := 0; i < clients; i++ {
			c, err := ln.Accept()
			if err != nil {
				panic(err)
			}
			go handle(c)
		}
	}()
	done := make(chan int, clients)
	for i := 0; i < clients; i++ {
		go client(ln.Addr().String(), done)
	}
	total := 0
	for i := 0; i < clients; i++ {
		total += <-done
	}
	fmt.Println(total)
	ln.Close()
}
