// hostpath-provisioner: dynamic provisioner of the single-node test cluster.
//
// It serves a StorageClass (provisioner name "quire.local/hostpath") by creating one directory per
// claim under --root on the node and returning a `local` PersistentVolume pinned to the node, so the
// kubelet bind-mounts it and applies fsGroup like it does for a real disk. Deleting the PV (reclaim
// policy Delete, i.e. deleting its PVC) removes the directory and all data in it, so a new claim of the
// same name always starts empty. Only ReadWriteOnce / ReadWriteOncePod filesystem claims are served;
// there is no shared storage here. It runs as a root host process with its own kubeconfig.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	"sigs.k8s.io/sig-storage-lib-external-provisioner/v13/controller"
)

const pathAnnotation = "quire.local/hostpath"

type hostPathProvisioner struct {
	root     string
	nodeName string
}

func (p *hostPathProvisioner) Provision(ctx context.Context, opts controller.ProvisionOptions) (*v1.PersistentVolume, controller.ProvisioningState, error) {
	pvc := opts.PVC
	if pvc.Spec.VolumeMode != nil && *pvc.Spec.VolumeMode == v1.PersistentVolumeBlock {
		return nil, controller.ProvisioningFinished, errors.New("block volumes are not supported (filesystem only)")
	}
	for _, m := range pvc.Spec.AccessModes {
		if m != v1.ReadWriteOnce && m != v1.ReadWriteOncePod {
			return nil, controller.ProvisioningFinished, fmt.Errorf("access mode %s is not supported (ReadWriteOnce/ReadWriteOncePod only: no shared storage on this cluster)", m)
		}
	}
	node := opts.SelectedNodeName
	if node == "" {
		node = p.nodeName
	}
	if node != p.nodeName {
		return nil, controller.ProvisioningFinished, fmt.Errorf("claim is for node %q, this provisioner serves %q", node, p.nodeName)
	}
	dir := filepath.Join(p.root, fmt.Sprintf("%s_%s_%s", opts.PVName, pvc.Namespace, pvc.Name))
	// A fresh volume: empty, root-owned 0755, like the root of a new disk (fsGroup makes it writable).
	if err := os.RemoveAll(dir); err != nil {
		return nil, controller.ProvisioningFinished, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, controller.ProvisioningFinished, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, controller.ProvisioningFinished, err
	}
	reclaim := v1.PersistentVolumeReclaimDelete
	if opts.StorageClass.ReclaimPolicy != nil {
		reclaim = *opts.StorageClass.ReclaimPolicy
	}
	fs := v1.PersistentVolumeFilesystem
	pv := &v1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:        opts.PVName,
			Annotations: map[string]string{pathAnnotation: dir},
		},
		Spec: v1.PersistentVolumeSpec{
			PersistentVolumeReclaimPolicy: reclaim,
			AccessModes:                   pvc.Spec.AccessModes,
			MountOptions:                  opts.StorageClass.MountOptions,
			VolumeMode:                    &fs,
			Capacity:                      v1.ResourceList{v1.ResourceStorage: pvc.Spec.Resources.Requests[v1.ResourceStorage]},
			PersistentVolumeSource:        v1.PersistentVolumeSource{Local: &v1.LocalVolumeSource{Path: dir}},
			NodeAffinity: &v1.VolumeNodeAffinity{Required: &v1.NodeSelector{NodeSelectorTerms: []v1.NodeSelectorTerm{{
				MatchExpressions: []v1.NodeSelectorRequirement{{
					Key: v1.LabelHostname, Operator: v1.NodeSelectorOpIn, Values: []string{node},
				}},
			}}}},
		},
	}
	klog.FromContext(ctx).Info("provisioned", "pv", opts.PVName, "claim", pvc.Namespace+"/"+pvc.Name, "dir", dir)
	return pv, controller.ProvisioningFinished, nil
}

func (p *hostPathProvisioner) Delete(ctx context.Context, pv *v1.PersistentVolume) error {
	dir := pv.Annotations[pathAnnotation]
	if dir == "" && pv.Spec.Local != nil {
		dir = pv.Spec.Local.Path
	}
	clean := filepath.Clean(dir)
	if dir == "" || !strings.HasPrefix(clean, filepath.Clean(p.root)+string(filepath.Separator)) {
		return fmt.Errorf("refusing to delete %q: not under %s", dir, p.root)
	}
	if err := os.RemoveAll(clean); err != nil {
		return err
	}
	klog.FromContext(ctx).Info("deleted", "pv", pv.Name, "dir", clean)
	return nil
}

func main() {
	klog.InitFlags(nil)
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the provisioner's user")
	root := flag.String("root", "", "directory under which volumes are created")
	nodeName := flag.String("node-name", "", "name of the node the volumes are on")
	name := flag.String("provisioner-name", "quire.local/hostpath", "provisioner name in the StorageClass")
	flag.Parse()
	if *kubeconfig == "" || *root == "" || *nodeName == "" {
		fmt.Fprintln(os.Stderr, "hostpath-provisioner: --kubeconfig, --root and --node-name are required")
		os.Exit(2)
	}
	if err := os.MkdirAll(*root, 0o711); err != nil {
		klog.Fatal(err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		klog.Fatal(err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		klog.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	pc := controller.NewProvisionController(ctx, client, *name,
		&hostPathProvisioner{root: *root, nodeName: *nodeName},
		controller.LeaderElection(false),
		controller.MetricsPort(0),
		controller.FailedProvisionThreshold(3),
	)
	klog.Info("hostpath-provisioner: serving ", *name, " under ", *root)
	pc.Run(ctx)
}
