// ring: 10,000 goroutines in a ring, a token passed 100 laps (1M hops).
package main

import "fmt"

func relay(in <-chan int, out chan<- int) {
	for token := range in {
		out <- token + 1
	}
	close(out)
}

func main() {
	const n = 10000
	const laps = 100
	chans := make([]chan int, n+1)
	for i := range chans {
		chans[i] = make(chan int)
	}
	for i := 0; i < n; i++ {
		go relay(chans[i], chans[i+1])
	}
	token := 0
	for lap := 0; lap < laps; lap++ {
		chans[0] <- token
		token = <-chans[n]
	}
	close(chans[0])
	fmt.Println(token)
}
