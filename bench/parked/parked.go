// parked: 1M goroutines blocked on one channel. The runner divides the peak RSS by
// the count.
package main

import "fmt"

func main() {
	const n = 1000000
	ready := make(chan int, 1024)
	gate := make(chan int)
	for i := 0; i < n; i++ {
		go func() {
			ready <- 1
			<-gate
		}()
	}
	count := 0
	for i := 0; i < n; i++ {
		count += <-ready
	}
	fmt.Println(count)
}
