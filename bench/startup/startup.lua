-- startup: hello world. Measures the time from exec to exit.
print("Hello, Malphas!")
