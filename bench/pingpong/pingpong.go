// pingpong: 1M round trips between two goroutines over unbuffered channels.
package main

import "fmt"

func ponger(ping <-chan int, pong chan<- int) {
	for v := range ping {
		pong <- v + 1
	}
}

func main() {
	const n = 1000000
	ping := make(chan int)
	pong := make(chan int)
	go ponger(ping, pong)
	sum := 0
	for i := 0; i < n; i++ {
		ping <- i
		sum += <-pong
	}
	close(ping)
	fmt.Println(sum)
}
