# banner.rb - the banner the shop shows on top of every page.
module Banner
  def self.render(text)
    { banner: text.upcase, length: text.length }
  end
end
