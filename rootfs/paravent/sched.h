/* paravent's scheduling commands, as xl has them: sched-credit (weight and cap), vcpu-pin
 * and vcpu-list (which host CPUs each vCPU may run on). */
#ifndef PARAVENT_SCHED_H
#define PARAVENT_SCHED_H
int cmd_sched_credit(int argc, char **argv);
int cmd_vcpu_pin(int argc, char **argv);
int cmd_vcpu_list(int argc, char **argv);
#endif
