# blog.rb - GET /posts/SLUG answers a post's title and summary.
# WEBrick, one servlet; errors are logged with their backtrace.
require 'json'
require 'webrick'
require_relative 'posts'

class PostServlet < WEBrick::HTTPServlet::AbstractServlet
  def do_GET(req, res)
    slug = req.path.split('/').last
    res['Content-Type'] = 'application/json'
    res.body = JSON.generate(Posts.card(slug))
  rescue StandardError => e
    warn e.full_message(highlight: false)
    res.status = 500
    res.body = '{"error":"internal server error"}'
  end
end

server = WEBrick::HTTPServer.new(BindAddress: '127.0.0.1', Port: Integer(ENV.fetch('PORT', '8080')),
                                 Logger: WEBrick::Log.new(File::NULL), AccessLog: [])
server.mount('/posts', PostServlet)
trap('TERM') { server.shutdown }
server.start
