wrk.method = "POST"
wrk.body = '{"requirementId":1,"channel":"h5"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = "sid=eyJyb2xlIjoicGxhbm5lciIsImlkIjoxLCJpYXQiOjE3OTY2ODA4NTgxNTAsImV4cCI6MTc5NzI4NTY1OH0.Hc3-hX22TYmd4IvRAjNTSJHcobODQ2CpcSAYA0eUzlw"
