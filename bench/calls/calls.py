# calls: recursive fib(32). Measures the cost of a function call and return.
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


print(fib(32))
