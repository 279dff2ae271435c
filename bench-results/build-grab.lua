wrk.method = "POST"
wrk.body = '{"requirementId":1,"channel":"h5"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = "sid=eyJyb2xlIjoicGxhbm5lciIsImlkIjoxLCJpYXQiOjE3OTY2ODAxMzA3OTYsImV4cCI6MTc5NzI4NDkzMH0.G86ddUlLBlkU4K6xCmVNvd3cvM-a42Up6CNiyNTNgdg"
