# loop: 10M iterations of integer arithmetic in a while loop.
def main():
    acc = 0
    i = 0
    while i < 10000000:
        acc = (acc + i * 7) % 1000003
        i += 1
    print(acc)


main()
