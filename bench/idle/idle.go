// idle: CONNS connections held open on loopback, the server's goroutine for each waiting
// to read (bufio); the runner divides peak RSS by CONNS. Prints CONNS.
package main

import (
	"bufio"
	"fmt"
	"net"
	"time"
)

const conns = 9000

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	done := make(chan int, conns)
	accepted := make(chan int)
	go func() {
		for i := 0; i < conns; i++ {
			c, err := ln.Accept()
			if err != nil {
				panic(err)
			}
			go func(c net.Conn) {
				bufio.NewReader(c).ReadString('\n')
				done <- 1
			}(c)
		}
		accepted <- conns
	}()
	clients := make([]net.Conn, 0, conns)
	for i := 0; i < conns; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			panic(err)
		}
		clients = append(clients, c)
	}
	<-accepted
	time.Sleep(200 * time.Millisecond)
	for _, c := range clients {
		c.Close()
	}
	ended := 0
	for i := 0; i < conns; i++ {
		ended += <-done
	}
	fmt.Println(ended)
	ln.Close()
}
