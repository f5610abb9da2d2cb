# Optional (worker_autoscaling): more calendar workers while they are busy. CPU is a stand-in
# for the queue's depth: a worker rendering calendars is CPU-bound. The autoscaler moves the
# service's desired count between worker_desired_count and worker_max_count; a later
# `terraform apply` sets it back to worker_desired_count, and the autoscaler takes over again.

resource "aws_appautoscaling_target" "worker" {
  count = var.worker_autoscaling ? 1 : 0

  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.worker.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.worker_desired_count
  max_capacity       = var.worker_max_count
}

resource "aws_appautoscaling_policy" "worker_cpu" {
  count = var.worker_autoscaling ? 1 : 0

  name               = "${var.name}-worker-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.worker[0].service_namespace
  resource_id        = aws_appautoscaling_target.worker[0].resource_id
  scalable_dimension = aws_appautoscaling_target.worker[0].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.worker_cpu_target
    scale_out_cooldown = 60
    # Scaling in stops workers; they finish their jobs first (stopTimeout), but slowly is kinder.
    scale_in_cooldown = 300

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}
