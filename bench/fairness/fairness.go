// fairness: 4 CPU-bound goroutines spin while a fifth sleeps 1 ms 200 times and
// records how late it woke, worst case, in milliseconds. The first line is the
// checksum (the number of sleeps); the second carries the measured lateness.
package main

import (
	"fmt"
	"time"
)

const spinners = 4
const sleeps = 200

func spinner(stop <-chan struct{}, done chan<- int) {
	x := 1
	n := 0
	for {
		x = (x*31 + 7) % 1000003
		n++
		if n%1000 == 0 {
			select {
			case <-stop:
				done <- x
				return
			default:
			}
		}
	}
}

func sleeper(result chan<- float64) {
	worst := 0.0
	count := 0
	for i := 0; i < sleeps; i++ {
		t0 := time.Now()
		time.Sleep(time.Millisecond)
		late := float64(time.Since(t0))/float64(time.Millisecond) - 1
		if late > worst {
			worst = late
		}
		count++
	}
	result <- float64(count)
	result <- worst
}

func main() {
	stop := make(chan struct{})
	done := make(chan int, spinners)
	result := make(chan float64, 2)
	for i := 0; i < spinners; i++ {
		go spinner(stop, done)
	}
	go sleeper(result)
	count := <-result
	worst := <-result
	close(stop)
	for i := 0; i < spinners; i++ {
		<-done
	}
	fmt.Println(int(count))
	fmt.Printf("lateness_ms %.3f\n", worst)
}
