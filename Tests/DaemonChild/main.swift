import Daemon
print("child")
