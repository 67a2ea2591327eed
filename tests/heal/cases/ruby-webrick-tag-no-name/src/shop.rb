# shop.rb - GET /tags?name=N answers the tag N normalized.
# WEBrick, one servlet; errors are logged with their backtrace.
require 'json'
require 'webrick'
require_relative 'tags'

class TagServlet < WEBrick::HTTPServlet::AbstractServlet
  def do_GET(req, res)
    name = req.query['name']
    res['Content-Type'] = 'application/json'
    res.body = JSON.generate(tag: Tags.normalize(name))
  rescue StandardError => e
    warn e.full_message(highlight: false)
    res.status = 500
    res.body = '{"error":"internal server error"}'
  end
end

server = WEBrick::HTTPServer.new(BindAddress: '127.0.0.1', Port: Integer(ENV.fetch('PORT', '8080')),
                                 Logger: WEBrick::Log.new(File::NULL), AccessLog: [])
server.mount('/tags', TagServlet)
trap('TERM') { server.shutdown }
server.start
