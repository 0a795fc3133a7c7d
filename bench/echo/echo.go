// echo: CLIENTS clients each make ROUNDS round trips of one line with an echo server,
// all on loopback in one process. Prints the number of round trips.
package main

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
)

const clients = 1000
const rounds = 100

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
