import MalphasVM
print("malphas")
