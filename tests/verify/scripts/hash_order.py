"""Prints strings in set iteration order, which depends on PYTHONHASHSEED."""

words = {"apple", "banana", "cherry", "damson", "elder", "fig", "grape", "hazel", "kiwi", "lime"}
print("order", " ".join(words))
