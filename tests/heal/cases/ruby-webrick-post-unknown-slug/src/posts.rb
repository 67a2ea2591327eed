# posts.rb - the posts and their cards.
module Posts
  ALL = {
    'hello' => { title: 'Hello', body: 'First post of the shop blog, about tea.' },
    'tea' => { title: 'Tea', body: 'Green, black and everything between.' }
  }.freeze

  def self.card(slug)
    post = ALL[slug]
    { title: post[:title], summary: post[:body][0, 20] }
  end
end
