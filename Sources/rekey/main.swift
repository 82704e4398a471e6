print("rekey")
