# The public entrance: an application load balancer in the public subnets, forwarding to the
# API tasks by IP (Fargate tasks have their own network interface, so target_type is "ip").
# Plain HTTP on port 80 unless certificate_arn is set; then HTTPS on 443 and 80 redirects.

locals {
  # Liveness, not readiness: /api/v1/health/live answers 200 while the process serves HTTP,
  # without asking the database. /api/v1/health (readiness) fails on every task at once when
  # the database is down, and the target group would then mark them all unhealthy and ECS
  # replace them all: no help while the database is away, and a cold start for every task when
  # it comes back. With liveness, the tasks stay and answer 503 themselves meanwhile.
  health_path = "/api/v1/health/live"
  https       = var.certificate_arn != null
  lb_url      = local.https ? "https://${aws_lb.api.dns_name}" : "http://${aws_lb.api.dns_name}"
}

resource "aws_lb" "api" {
  name               = var.name
  load_balancer_type = "application"
  internal           = false
  security_groups    = [aws_security_group.alb.id]
  subnets            = aws_subnet.public[*].id
  # Longer than the API's longest request: GET .../status?wait=30 holds one for 30 s.
  idle_timeout               = 60
  drop_invalid_header_fields = true
}

resource "aws_lb_target_group" "api" {
  name        = "${var.name}-api"
  target_type = "ip"
  protocol    = "HTTP"
  port        = local.app_port
  vpc_id      = aws_vpc.main.id
  # A stopping task is taken out of rotation, then given this long to finish its requests
  # before ECS sends SIGTERM.
  deregistration_delay = 30

  health_check {
    path                = local.health_path
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "http" {
  count = local.https ? 0 : 1

  load_balancer_arn = aws_lb.api.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}

resource "aws_lb_listener" "http_redirect" {
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.api.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_lb_listener" "https" {
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.api.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}
