// maplebook profile feed: the profile header and the posts are rendered from /api/feed, one
// page at a time, when the sentinel below the feed scrolls into view (infinite scroll).
(function () {
  "use strict";
  var root = document.getElementById("profile");
  var user = root.getAttribute("data-user");
  var head = document.getElementById("profile-head");
  var feed = document.getElementById("feed");
  var sentinel = document.getElementById("sentinel");
  var next = 1;
  var loading = false;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text) { node.textContent = text; }
    return node;
  }

  function photo(data, cls) {
    var img = document.createElement("img");
    img.src = data.url;
    img.alt = data.alt;
    img.className = cls;
    return img;
  }

  function renderProfile(profile) {
    head.appendChild(photo(profile.avatar, "avatar"));
    head.appendChild(el("h1", "name", profile.name));
    head.appendChild(el("p", "location", "Lives in " + profile.location));
    profile.about.forEach(function (line) { head.appendChild(el("p", "about", line)); });
  }

  function renderPost(post) {
    var card = el("article", "post");
    card.appendChild(photo(post.photo, "post-photo"));
    card.appendChild(el("p", "caption", post.caption));
    card.appendChild(el("time", "posted", post.posted));
    feed.appendChild(card);
  }

  function load() {
    if (loading || next === null) { return; }
    loading = true;
    fetch("/api/feed?user=" + encodeURIComponent(user) + "&page=" + next)
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.page === 1) { renderProfile(data.profile); }
        data.posts.forEach(renderPost);
        next = data.next_page;
        loading = false;
        observer.unobserve(sentinel);
        if (next === null) {
          sentinel.textContent = "You're all caught up.";
          sentinel.setAttribute("data-done", "1");
        } else {
          observer.observe(sentinel);  // fires again at once if the sentinel is still in view
        }
      });
  }

  var observer = new IntersectionObserver(function (entries) {
    if (entries[0].isIntersecting) { load(); }
  });
  observer.observe(sentinel);
})();
