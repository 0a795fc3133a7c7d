// parallel: 16 jobs of fib(27), one goroutine each; main sums the results. The
// runner times it with GOMAXPROCS=1 and GOMAXPROCS=2 and reports the speedup.
package main

import "fmt"

func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func main() {
	const jobs = 16
	results := make(chan int, jobs)
	for i := 0; i < jobs; i++ {
		go func() { results <- fib(27) }()
	}
	sum := 0
	for i := 0; i < jobs; i++ {
		sum += <-results
	}
	fmt.Println(sum)
}
