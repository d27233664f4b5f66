#!/usr/bin/perl
# A CGI/1.1 program (RFC 3875) that porta runs instead of serving: a form on GET, and on
# POST the fields it was sent (application/x-www-form-urlencoded on standard input).
use strict;
use warnings;

sub unescape {
  my ($text) = @_;
  $text =~ tr/+/ /;
  $text =~ s/%([0-9A-Fa-f]{2})/chr(hex($1))/ge;
  return $text;
}

sub html {
  my ($text) = @_;
  $text =~ s/&/&amp;/g; $text =~ s/</&lt;/g; $text =~ s/>/&gt;/g; $text =~ s/"/&quot;/g;
  return $text;
}

my $method = $ENV{REQUEST_METHOD} // 'GET';
my $input = '';
if ($method eq 'POST') {
  my $length = $ENV{CONTENT_LENGTH} // 0;
  $length = 65536 if $length > 65536;
  read(STDIN, $input, $length);
}
my %fields = map { my ($k, $v) = split /=/, $_, 2; (unescape($k), unescape($v // '')) } grep { length } split /&/, $input;
my $name = html($fields{name} // '');

print "Content-Type: text/html; charset=utf-8\r\n\r\n";
print <<"PAGE";
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>hello.cgi</title><link rel="stylesheet" href="/style.css"></head>
<body>
<h1>hello.cgi</h1>
PAGE
print $name ne '' ? "<p>Hello, <strong>$name</strong>!</p>\n" : "<p>A CGI program: porta ran it for this $method request.</p>\n";
print <<"PAGE";
<form method="post" action="@{[html($ENV{SCRIPT_NAME} // '')]}">
  <label>Your name <input name="name" autofocus></label> <button>Send (POST)</button>
</form>
<p>Query string: <code>@{[html($ENV{QUERY_STRING} // '')]}</code>, path info: <code>@{[html($ENV{PATH_INFO} // '')]}</code>,
you are <code>@{[html($ENV{REMOTE_ADDR} // '')]}</code>, the server is <code>@{[html($ENV{SERVER_SOFTWARE} // '')]}</code>.</p>
<p><a href="/">Back to the example site</a></p>
</body>
</html>
PAGE
