// spawn: start 1M goroutines that each send their index on one channel with a
// buffer of 1024; main receives and sums.
package main

import "fmt"

func main() {
	const n = 1000000
	ch := make(chan int, 1024)
	for i := 0; i < n; i++ {
		go func(i int) { ch <- i }(i)
	}
	sum := 0
	for i := 0; i < n; i++ {
		sum += <-ch
	}
	fmt.Println(sum)
}
