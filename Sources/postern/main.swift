import PosternCLI
print("postern: not yet")
