// Command k8s is one multi-call binary holding the control plane of Siskin's local test cluster:
// kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and etcd, all from the real
// upstream packages, plus a small "certs" helper that writes the cluster's PKI.
//
// The component is chosen by the name the binary was invoked as (a symlink such as "kubectl") or,
// failing that, by the first argument: `k8s kube-apiserver --etcd-servers=...`.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	_ "time/tzdata" // CronJob time zones, as upstream's own mains do

	"github.com/spf13/cobra"
	"go.etcd.io/etcd/server/v3/etcdmain"
	_ "k8s.io/client-go/plugin/pkg/client/auth"
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	kubectl "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
)

var components = map[string]func(args []string) int{
	"kube-apiserver": func(args []string) int {
		return runCobra(args, apiserver.NewAPIServerCommand())
	},
	"kube-controller-manager": func(args []string) int {
		return runCobra(args, controllermanager.NewControllerManagerCommand())
	},
	"kube-scheduler": func(args []string) int {
		return runCobra(args, scheduler.NewSchedulerCommand())
	},
	"kubectl": runKubectl,
	"etcd": func(args []string) int {
		etcdmain.Main(append([]string{"etcd"}, args...))
		return 0
	},
	"certs": runCerts,
}

func main() {
	name := filepath.Base(os.Args[0])
	args := os.Args[1:]
	if _, ok := components[name]; !ok {
		if len(args) == 0 {
			usage()
			os.Exit(2)
		}
		name, args = args[0], args[1:]
	}
	run, ok := components[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "k8s: unknown component %q\n", name)
		usage()
		os.Exit(2)
	}
	os.Exit(run(args))
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: k8s <kube-apiserver|kube-controller-manager|kube-scheduler|kubectl|etcd|certs> [flags]")
}

func runCobra(args []string, command *cobra.Command) int {
	command.SetArgs(args)
	return cli.Run(command)
}

func runKubectl(args []string) int {
	// kubectl reads its verbosity from os.Args before cobra parses flags.
	os.Args = append([]string{"kubectl"}, args...)
	logs.GlogSetter(kubectl.GetLogVerbosity(os.Args)) // nolint:errcheck
	command := kubectl.NewDefaultKubectlCommand()
	command.SetArgs(args)
	if err := cli.RunNoErrOutput(command); err != nil {
		kubectlutil.CheckErr(err)
	}
	return 0
}
