# server.rb - serve Users on 127.0.0.1:$PORT (standard library only).  A
# request that fails is answered 500 and its backtrace goes to stderr.
require 'socket'
require_relative 'users'

app = Users.new
server = TCPServer.new('127.0.0.1', Integer(ENV.fetch('PORT', '8080')))
loop do
  client = server.accept
  request_line = client.gets
  next client.close if request_line.nil? # a health check that only connects
  method, path = request_line.split(' ')
  while (line = client.gets) && line != "\r\n"; end
  begin
    status, headers, body = app.call('REQUEST_METHOD' => method, 'PATH_INFO' => path.to_s)
  rescue StandardError => e
    warn e.full_message(highlight: false)
    status, headers, body = 500, { 'content-type' => 'application/json' }, ['{"error":"internal server error"}']
  end
  text = body.join
  begin
    client.write("HTTP/1.1 #{status} X\r\ncontent-length: #{text.bytesize}\r\nconnection: close\r\n")
    headers.each { |k, v| client.write("#{k}: #{v}\r\n") }
    client.write("\r\n#{text}")
  rescue Errno::EPIPE, Errno::ECONNRESET
    nil # the client went away
  end
  client.close
end
